//! Auto-compounding vault. `Compound` swaps the accrued reward token on a DEX and then calls
//! back into this contract (`ExecuteMsg::Callback`) to credit the swapped amount, which is the
//! usual "callback message" pattern: the contract sends a WasmMsg::Execute to itself.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    ensure, ensure_eq, to_json_binary, Addr, Binary, Coin, CosmosMsg, Deps, DepsMut, Env, MessageInfo, Response,
    StdError, StdResult, Uint128, WasmMsg,
};
use cw_storage_plus::{Item, Map};
use thiserror::Error;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unauthorized")]
    Unauthorized {},
    #[error("Callbacks can only be invoked by the contract itself")]
    CallbackNotSelf {},
    #[error("Nothing to compound")]
    NothingToCompound {},
}

#[cw_serde]
pub struct State {
    pub keeper: Addr,
    pub dex: Addr,
    pub base_denom: String,
    pub reward_denom: String,
    pub total_assets: Uint128,
    pub total_shares: Uint128,
}

pub const STATE: Item<State> = Item::new("state");
pub const SHARES: Map<&Addr, Uint128> = Map::new("shares");

#[cw_serde]
pub struct InstantiateMsg {
    pub dex: String,
    pub base_denom: String,
    pub reward_denom: String,
}

#[cw_serde]
pub enum CallbackMsg {
    /// Adds `amount` of base asset obtained by a compounding swap to the pool.
    AfterCompound { amount: Uint128 },
}

#[cw_serde]
pub enum ExecuteMsg {
    Deposit {},
    Compound { min_out: Uint128 },
    Callback(CallbackMsg),
}

#[cw_serde]
pub enum DexMsg {
    Swap { offer_denom: String, ask_denom: String, min_out: Uint128 },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(State)]
    State {},
}

impl CallbackMsg {
    pub fn into_cosmos_msg(self, contract_addr: &Addr) -> StdResult<CosmosMsg> {
        Ok(WasmMsg::Execute {
            contract_addr: contract_addr.to_string(),
            msg: to_json_binary(&ExecuteMsg::Callback(self))?,
            funds: vec![],
        }
        .into())
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    STATE.save(
        deps.storage,
        &State {
            keeper: info.sender,
            dex: deps.api.addr_validate(&msg.dex)?,
            base_denom: msg.base_denom,
            reward_denom: msg.reward_denom,
            total_assets: Uint128::zero(),
            total_shares: Uint128::zero(),
        },
    )?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Deposit {} => execute_deposit(deps, info),
        ExecuteMsg::Compound { min_out } => execute_compound(deps, env, info, min_out),
        ExecuteMsg::Callback(callback) => {
            #[cfg(not(feature = "vulnerable"))]
            ensure_eq!(info.sender, env.contract.address, ContractError::CallbackNotSelf {});
            handle_callback(deps, env, callback)
        }
    }
}

fn execute_deposit(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    let mut state = STATE.load(deps.storage)?;
    let amount = cw_utils::must_pay(&info, &state.base_denom).map_err(|e| StdError::generic_err(e.to_string()))?;
    let shares = if state.total_shares.is_zero() {
        amount
    } else {
        amount.multiply_ratio(state.total_shares, state.total_assets)
    };
    state.total_assets += amount;
    state.total_shares += shares;
    STATE.save(deps.storage, &state)?;
    SHARES.update(deps.storage, &info.sender, |s| -> StdResult<_> { Ok(s.unwrap_or_default() + shares) })?;
    Ok(Response::new().add_attribute("action", "deposit").add_attribute("shares", shares))
}

fn execute_compound(deps: DepsMut, env: Env, info: MessageInfo, min_out: Uint128) -> Result<Response, ContractError> {
    let state = STATE.load(deps.storage)?;
    ensure_eq!(info.sender, state.keeper, ContractError::Unauthorized {});
    let rewards = deps.querier.query_balance(&env.contract.address, &state.reward_denom)?;
    ensure!(!rewards.amount.is_zero(), ContractError::NothingToCompound {});
    let swap = WasmMsg::Execute {
        contract_addr: state.dex.to_string(),
        msg: to_json_binary(&DexMsg::Swap {
            offer_denom: state.reward_denom.clone(),
            ask_denom: state.base_denom.clone(),
            min_out,
        })?,
        funds: vec![Coin { denom: state.reward_denom.clone(), amount: rewards.amount }],
    };
    let callback = CallbackMsg::AfterCompound { amount: min_out }.into_cosmos_msg(&env.contract.address)?;
    Ok(Response::new().add_message(swap).add_message(callback).add_attribute("action", "compound"))
}

fn handle_callback(deps: DepsMut, _env: Env, msg: CallbackMsg) -> Result<Response, ContractError> {
    match msg {
        CallbackMsg::AfterCompound { amount } => {
            let mut state = STATE.load(deps.storage)?;
            state.total_assets += amount;
            STATE.save(deps.storage, &state)?;
            Ok(Response::new().add_attribute("action", "after_compound").add_attribute("amount", amount))
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::State {} => to_json_binary(&STATE.load(deps.storage)?),
    }
}
