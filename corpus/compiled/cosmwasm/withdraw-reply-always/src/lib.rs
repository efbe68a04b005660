//! CW20 savings vault. Users deposit a CW20 token with `Send` (Receive hook) and withdraw it;
//! the withdrawal's CW20 transfer runs as a sub-message so that the reply can book-keep it.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    ensure, ensure_eq, from_json, to_json_binary, Addr, Binary, Deps, DepsMut, Env, MessageInfo, Reply, Response,
    StdError, StdResult, SubMsg, SubMsgResult, Uint128, WasmMsg,
};
use cw20::{Cw20ExecuteMsg, Cw20ReceiveMsg};
use cw_storage_plus::{Item, Map};
use thiserror::Error;

const WITHDRAW_REPLY_ID: u64 = 7;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unsupported token")]
    UnsupportedToken {},
    #[error("Insufficient balance")]
    InsufficientBalance {},
    #[error("Unknown reply id {0}")]
    UnknownReply(u64),
}

#[cw_serde]
pub struct Config {
    pub token: Addr,
}

#[cw_serde]
pub struct PendingWithdrawal {
    pub owner: Addr,
    pub amount: Uint128,
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const BALANCES: Map<&Addr, Uint128> = Map::new("balances");
pub const PENDING: Item<PendingWithdrawal> = Item::new("pending");
pub const TOTAL_WITHDRAWN: Item<Uint128> = Item::new("total_withdrawn");

#[cw_serde]
pub struct InstantiateMsg {
    pub token: String,
}

#[cw_serde]
pub enum ExecuteMsg {
    Receive(Cw20ReceiveMsg),
    Withdraw { amount: Uint128 },
}

#[cw_serde]
pub enum ReceiveMsg {
    Deposit {},
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Uint128)]
    Balance { address: String },
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, _info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    CONFIG.save(deps.storage, &Config { token: deps.api.addr_validate(&msg.token)? })?;
    TOTAL_WITHDRAWN.save(deps.storage, &Uint128::zero())?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, _env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Receive(wrapper) => {
            let config = CONFIG.load(deps.storage)?;
            ensure_eq!(info.sender, config.token, ContractError::UnsupportedToken {});
            let ReceiveMsg::Deposit {} = from_json(&wrapper.msg)?;
            let sender = deps.api.addr_validate(&wrapper.sender)?;
            BALANCES.update(deps.storage, &sender, |b| -> StdResult<_> {
                Ok(b.unwrap_or_default().checked_add(wrapper.amount)?)
            })?;
            Ok(Response::new().add_attribute("action", "deposit"))
        }
        ExecuteMsg::Withdraw { amount } => execute_withdraw(deps, info, amount),
    }
}

fn execute_withdraw(deps: DepsMut, info: MessageInfo, amount: Uint128) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let balance = BALANCES.may_load(deps.storage, &info.sender)?.unwrap_or_default();
    ensure!(balance >= amount, ContractError::InsufficientBalance {});
    BALANCES.save(deps.storage, &info.sender, &(balance - amount))?;
    PENDING.save(deps.storage, &PendingWithdrawal { owner: info.sender.clone(), amount })?;

    let transfer = WasmMsg::Execute {
        contract_addr: config.token.to_string(),
        msg: to_json_binary(&Cw20ExecuteMsg::Transfer { recipient: info.sender.to_string(), amount })?,
        funds: vec![],
    };
    Ok(Response::new()
        .add_submessage(SubMsg::reply_always(transfer, WITHDRAW_REPLY_ID))
        .add_attribute("action", "withdraw")
        .add_attribute("amount", amount))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(deps: DepsMut, _env: Env, msg: Reply) -> Result<Response, ContractError> {
    if msg.id != WITHDRAW_REPLY_ID {
        return Err(ContractError::UnknownReply(msg.id));
    }
    let pending = PENDING.load(deps.storage)?;
    PENDING.remove(deps.storage);

    match msg.result {
        SubMsgResult::Ok(_) => {
            TOTAL_WITHDRAWN.update(deps.storage, |t| -> StdResult<_> { Ok(t + pending.amount) })?;
            Ok(Response::new().add_attribute("withdrawal", "completed"))
        }
        #[cfg(feature = "vulnerable")]
        SubMsgResult::Err(err) => {
            // The transfer failed; nothing else to clean up.
            Ok(Response::new().add_attribute("withdrawal", "failed").add_attribute("error", err))
        }
        #[cfg(not(feature = "vulnerable"))]
        SubMsgResult::Err(err) => {
            // The tokens never left: give the balance back.
            BALANCES.update(deps.storage, &pending.owner, |b| -> StdResult<_> {
                Ok(b.unwrap_or_default().checked_add(pending.amount)?)
            })?;
            Ok(Response::new().add_attribute("withdrawal", "refunded").add_attribute("error", err))
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Balance { address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&BALANCES.may_load(deps.storage, &addr)?.unwrap_or_default())
        }
    }
}
