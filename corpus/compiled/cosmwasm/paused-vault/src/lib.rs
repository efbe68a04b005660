//! Native-token lending-style vault with an emergency pause. Deposits, withdrawals and internal
//! transfers of vault credits are all supposed to stop while it is paused.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    coins, ensure, ensure_eq, to_json_binary, Addr, BankMsg, Binary, Deps, DepsMut, Env, MessageInfo, Response,
    StdError, StdResult, Storage, Uint128,
};
use cw_storage_plus::{Item, Map};
use thiserror::Error;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unauthorized")]
    Unauthorized {},
    #[error("Contract is paused")]
    Paused {},
    #[error("Insufficient credit")]
    InsufficientCredit {},
    #[error("{0}")]
    Payment(String),
}

#[cw_serde]
pub struct Config {
    pub guardian: Addr,
    pub denom: String,
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const PAUSED: Item<bool> = Item::new("paused");
pub const CREDITS: Map<&Addr, Uint128> = Map::new("credits");

#[cw_serde]
pub struct InstantiateMsg {
    pub denom: String,
}

#[cw_serde]
pub enum ExecuteMsg {
    Deposit {},
    Withdraw { amount: Uint128 },
    TransferCredit { recipient: String, amount: Uint128 },
    SetPaused { paused: bool },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Uint128)]
    Credit { address: String },
    #[returns(bool)]
    Paused {},
}

fn ensure_not_paused(storage: &dyn Storage) -> Result<(), ContractError> {
    ensure!(!PAUSED.may_load(storage)?.unwrap_or(false), ContractError::Paused {});
    Ok(())
}

fn sub_credit(storage: &mut dyn Storage, who: &Addr, amount: Uint128) -> Result<(), ContractError> {
    let credit = CREDITS.may_load(storage, who)?.unwrap_or_default();
    ensure!(credit >= amount, ContractError::InsufficientCredit {});
    CREDITS.save(storage, who, &(credit - amount))?;
    Ok(())
}

fn add_credit(storage: &mut dyn Storage, who: &Addr, amount: Uint128) -> StdResult<()> {
    CREDITS.update(storage, who, |c| -> StdResult<_> { Ok(c.unwrap_or_default().checked_add(amount)?) })?;
    Ok(())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    CONFIG.save(deps.storage, &Config { guardian: info.sender, denom: msg.denom })?;
    PAUSED.save(deps.storage, &false)?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, _env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Deposit {} => {
            ensure_not_paused(deps.storage)?;
            let config = CONFIG.load(deps.storage)?;
            let amount = cw_utils::must_pay(&info, &config.denom).map_err(|e| ContractError::Payment(e.to_string()))?;
            add_credit(deps.storage, &info.sender, amount)?;
            Ok(Response::new().add_attribute("action", "deposit"))
        }
        ExecuteMsg::Withdraw { amount } => {
            ensure_not_paused(deps.storage)?;
            let config = CONFIG.load(deps.storage)?;
            sub_credit(deps.storage, &info.sender, amount)?;
            Ok(Response::new()
                .add_message(BankMsg::Send { to_address: info.sender.to_string(), amount: coins(amount.u128(), config.denom) })
                .add_attribute("action", "withdraw"))
        }
        ExecuteMsg::TransferCredit { recipient, amount } => execute_transfer_credit(deps, info, recipient, amount),
        ExecuteMsg::SetPaused { paused } => {
            let config = CONFIG.load(deps.storage)?;
            ensure_eq!(info.sender, config.guardian, ContractError::Unauthorized {});
            PAUSED.save(deps.storage, &paused)?;
            Ok(Response::new().add_attribute("action", "set_paused").add_attribute("paused", paused.to_string()))
        }
    }
}

fn execute_transfer_credit(deps: DepsMut, info: MessageInfo, recipient: String, amount: Uint128) -> Result<Response, ContractError> {
    #[cfg(not(feature = "vulnerable"))]
    ensure_not_paused(deps.storage)?;
    let recipient = deps.api.addr_validate(&recipient)?;
    sub_credit(deps.storage, &info.sender, amount)?;
    add_credit(deps.storage, &recipient, amount)?;
    Ok(Response::new().add_attribute("action", "transfer_credit").add_attribute("to", recipient))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Credit { address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&CREDITS.may_load(deps.storage, &addr)?.unwrap_or_default())
        }
        QueryMsg::Paused {} => to_json_binary(&PAUSED.may_load(deps.storage)?.unwrap_or(false)),
    }
}
