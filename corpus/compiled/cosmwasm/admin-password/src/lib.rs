//! Prize pool for a community quiz. Players pay an entry fee; the organiser pays out the winner.
//! An emergency path lets the team recover the pool if the organiser key is lost.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    ensure, ensure_eq, to_json_binary, Addr, BankMsg, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdError,
    StdResult,
};
use cw_storage_plus::{Item, Map};
use thiserror::Error;

#[cfg(feature = "vulnerable")]
const EMERGENCY_PASSWORD: &str = "quiz-pool-recovery:7f3a9c1e5b2d";

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unauthorized")]
    Unauthorized {},
    #[error("Wrong entry fee")]
    WrongFee {},
}

#[cw_serde]
pub struct Config {
    pub organiser: Addr,
    pub recovery: Addr,
    pub denom: String,
    pub entry_fee: u128,
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const PLAYERS: Map<&Addr, bool> = Map::new("players");

#[cw_serde]
pub struct InstantiateMsg {
    pub recovery: String,
    pub denom: String,
    pub entry_fee: u128,
}

#[cw_serde]
pub enum ExecuteMsg {
    Enter {},
    PayWinner { winner: String },
    #[cfg(feature = "vulnerable")]
    EmergencyWithdraw { password: String, to: String },
    #[cfg(not(feature = "vulnerable"))]
    EmergencyWithdraw { to: String },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(bool)]
    IsPlayer { address: String },
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    let config = Config {
        organiser: info.sender,
        recovery: deps.api.addr_validate(&msg.recovery)?,
        denom: msg.denom,
        entry_fee: msg.entry_fee,
    };
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Enter {} => {
            let config = CONFIG.load(deps.storage)?;
            let paid = cw_utils::must_pay(&info, &config.denom).map_err(|_| ContractError::WrongFee {})?;
            ensure!(paid.u128() == config.entry_fee, ContractError::WrongFee {});
            PLAYERS.save(deps.storage, &info.sender, &true)?;
            Ok(Response::new().add_attribute("action", "enter"))
        }
        ExecuteMsg::PayWinner { winner } => {
            let config = CONFIG.load(deps.storage)?;
            ensure_eq!(info.sender, config.organiser, ContractError::Unauthorized {});
            let winner = deps.api.addr_validate(&winner)?;
            ensure!(PLAYERS.has(deps.storage, &winner), ContractError::Unauthorized {});
            pay_everything(deps.as_ref(), &env, &config, winner)
        }
        #[cfg(feature = "vulnerable")]
        ExecuteMsg::EmergencyWithdraw { password, to } => {
            let config = CONFIG.load(deps.storage)?;
            ensure!(password == EMERGENCY_PASSWORD, ContractError::Unauthorized {});
            let to = deps.api.addr_validate(&to)?;
            pay_everything(deps.as_ref(), &env, &config, to)
        }
        #[cfg(not(feature = "vulnerable"))]
        ExecuteMsg::EmergencyWithdraw { to } => {
            let config = CONFIG.load(deps.storage)?;
            ensure_eq!(info.sender, config.recovery, ContractError::Unauthorized {});
            let to = deps.api.addr_validate(&to)?;
            pay_everything(deps.as_ref(), &env, &config, to)
        }
    }
}

fn pay_everything(deps: Deps, env: &Env, config: &Config, to: Addr) -> Result<Response, ContractError> {
    let balance = deps.querier.query_balance(&env.contract.address, &config.denom)?;
    Ok(Response::new()
        .add_message(BankMsg::Send { to_address: to.to_string(), amount: vec![balance] })
        .add_attribute("action", "payout")
        .add_attribute("to", to))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::IsPlayer { address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&PLAYERS.has(deps.storage, &addr))
        }
    }
}
